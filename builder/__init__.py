"""carbon-site: validate the Songyuan carbon-peak data packages and build the public site."""

__version__ = "0.1.0"
