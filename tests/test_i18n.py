import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")


def test_the_panels_strings_are_extracted_for_translators(tmp_path: Path) -> None:
    base = Path(settings.BASE_DIR)
    for part in ("config", "handlers_admin", "sandbox", "templates", "manage.py"):
        source = base / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / part)
    (tmp_path / "locale").mkdir()
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "fr", "--no-wrap", "--verbosity", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "READ_DOT_ENV": "false"},
    )
    assert result.returncode == 0, result.stderr
    catalogue = (tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text()
    for text in (
        'msgid "Your role does not allow this"',  # a template
        'msgid "Enabled: %(name)s"',  # Python
        'msgid_plural "%(count)d days ago"',  # a plural
        'msgid "This is not a %(service)s webhook address. It should look like %(example)s"',  # the registry
        'msgid "Stale: on, but no activity for over a day, or never active"',  # a blocktranslate with a plural
    ):
        assert text in catalogue
