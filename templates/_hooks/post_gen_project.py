"""Add the parts shared between templates, local secrets and the answers record."""

import json
import sys
from pathlib import Path

# Cookiecutter runs this file from a copy it renders into the temporary directory and never
# removes; the copy holds every answer, so it removes itself before anything else can fail.
Path(__file__).unlink(missing_ok=True)
CONTEXT = json.loads(r"""{{ cookiecutter | tojson }}""")

# See pre_gen_project.py for where the package is found.
for parent in Path(CONTEXT["_repo_dir"]).resolve().parents:
    if (parent / "scaffolder" / "__init__.py").is_file():
        sys.path.insert(0, str(parent))
        break

from scaffolder.hooks import post_gen  # noqa: E402

sys.exit(post_gen(CONTEXT, Path.cwd()))
