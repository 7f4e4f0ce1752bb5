"""AWS ECR, through boto3: the provider (``provider``), its mapping to the model (``mapping``),
writes (``apply``, ``settings``), calls with retries (``calls``), clients (``session``), KMS keys
(``kms``), image indexes (``indexes``) and the embedded sandbox registry (``sandbox``)."""
