"""Streamlit-facing helpers: the canvas component, figures, the workspace and page widgets."""
