"""{{ cookiecutter.project_name }}: the HTTP service."""
