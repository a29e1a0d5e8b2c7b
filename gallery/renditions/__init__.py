"""Renditions: the closed set of specs (`specs`) and the image engine (`engine`)."""
