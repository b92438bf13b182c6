"""The app for AppTest: runs the app's Streamlit script (ui/shell.py, which app.py serves) from this folder.

Streamlit treats an app with a pages/ folder beside its main script in the old, folder-based
way until a session has run st.navigation, and AppTest starts every run in that state. A
browser session runs app.py first; this entry point gives AppTest the same navigation.
"""
import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[1] / "ui" / "shell.py"), run_name="__main__")
