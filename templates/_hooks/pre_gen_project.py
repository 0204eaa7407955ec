"""Check the answers with scaffolder's rules before cookiecutter writes anything."""

import json
import sys
from pathlib import Path

# Cookiecutter runs this file from a copy it renders into the temporary directory and never
# removes; the copy holds every answer, so it removes itself before anything else can fail.
Path(__file__).unlink(missing_ok=True)
CONTEXT = json.loads(r"""{{ cookiecutter | tojson }}""")

# The template sits in <root>/templates/<name> (source checkout) or in
# <site-packages>/scaffolder/templates/<name> (wheel); the package is found next to either.
for parent in Path(CONTEXT["_repo_dir"]).resolve().parents:
    if (parent / "scaffolder" / "__init__.py").is_file():
        sys.path.insert(0, str(parent))
        break

from scaffolder.hooks import pre_gen  # noqa: E402

sys.exit(pre_gen(CONTEXT))
