"""Registry credentials for the people and machines that push and pull.

* :func:`regform.credentials.login.login` -- credentials (or credential-helper entries) for the
  declared registries written into a client auth file (:mod:`~regform.credentials.authfile`);
* :mod:`regform.credentials.helper` -- ``docker-credential-regform``, the credential helper
  protocol answered from the config, with an ECR token cache (:mod:`~regform.credentials.cache`);
* :func:`regform.credentials.pullsecret.pull_secret` -- a Kubernetes dockerconfigjson Secret;
* :func:`regform.credentials.registries.matrix` -- the declared registries as a CI job matrix.

Credentials come from each provider (``ProviderKind.credential``, through
:func:`regform.credentials.sources.fetch_credential`): ECR tokens through the
registry's own AWS credential chain, a distribution or Harbor registry's declared credentials,
Docker Hub's from the environment. No secret is logged or printed, except where printing it is
the point (``get``, ``pull-secret``).
"""
