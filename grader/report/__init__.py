"""Renderings of the result model, all from the jinja2 templates in ``templates/``."""
