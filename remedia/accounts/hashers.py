from django.contrib.auth.hashers import MD5PasswordHasher


class FastTestHasher(MD5PasswordHasher):
    """Only ever listed in settings under the test suite, to keep it fast."""

    algorithm = "remedia_test_md5"
