"""The migration log: one JSON Lines record per drop-in call.

A drop-in makes its record (make_record) and writes it (write); doctor, report and
migrate ask where the per-user file is (user_log). The parts, one module each:

- redaction.py: secrets kept out of every destination (redact, scrub);
- calling.py: the caller, the parent's command line and the script it runs (caller);
- record.py: the record's fields and its one line of JSON (make_record, encode);
- writer.py: the destinations, locked appends with rotation, the shared log_dir and
  syslog (write, user_log).

(The modules are not named after the functions below, so that `log.redact` and
`log.caller` stay functions.) Stdlib only, and cheap to import: every drop-in call writes
a record; fcntl, pwd, syslog and re are imported when used, and a call whose words hold
nothing secret-looking never needs re.
"""

from __future__ import annotations

from .calling import caller
from .record import encode, iso_time, make_record
from .redaction import REDACTED, redact, scrub
from .writer import user_log, write

__all__ = ["REDACTED", "caller", "encode", "iso_time", "make_record", "redact", "scrub",
           "user_log", "write"]
