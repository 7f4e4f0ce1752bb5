"""OCI distribution registries (``registry:2`` and compatibles) over HTTP: the provider
(``provider``), the HTTP client (``http``), authentication (``auth``) and manifests
(``manifests``)."""
