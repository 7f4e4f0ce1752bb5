"""Docker Hub: a registry declared for its credentials only (``regform login``, pull secrets).

Nothing here manages repositories; :mod:`regform.providers.dockerhub.kind` declares the config
keys (``credentials: {username_env, token_env}``) and rejects everything about repositories.
"""
