"""A cheap Argon2 for the tests: the same algorithm and code path, far less work.

Production's Argon2 costs about 0.3 s a hash on these machines; a test that signs in
six times would spend seconds on it. The stored hash still says ``argon2``.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8
    parallelism = 1
