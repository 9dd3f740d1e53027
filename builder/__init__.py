"""carbon-site: validate carbon-peak plan data packages and build their public-disclosure site."""

__version__ = "0.2.0"
