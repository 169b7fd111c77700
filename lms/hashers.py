"""Password hashing: Argon2id at OWASP's parameters, set here rather than
inherited, so a Django upgrade never changes what a login costs.

Django's default (PBKDF2-SHA256, 1,500,000 iterations in Django 6) spends
about 0.7 s of one core per login on this project's 2-core machine: one web
process signs in fewer than 3 learners a second, and the first evening of a
100,000-learner course queues. OWASP's Password Storage Cheat Sheet
recommends Argon2id with m = 19 MiB, t = 2, p = 1 as the minimum; memory
makes it costly for a GPU attacker while costing the server a few
milliseconds (bench/bench_logins.py measures both).

`PASSWORD_HASHERS` lists this hasher first and keeps PBKDF2 after it, so an
existing PBKDF2 hash still verifies and Django re-hashes it with Argon2id on
that learner's next successful login (`check_password`'s setter). A hash
made with other Argon2 parameters is upgraded the same way (`must_update`).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2idHasher(Argon2PasswordHasher):
    # The algorithm name stays "argon2": the stored hash says argon2id and its
    # parameters, and Django's own Argon2 hasher reads the same format.
    time_cost = 2
    memory_cost = 19 * 1024  # KiB: 19 MiB
    parallelism = 1
