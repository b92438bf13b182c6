"""NetCanvas: draw a network, see its shapes, train it live, take the code. (streamlit run app.py)

The app is the Streamlit script ui/shell.py, served with one route of our own beside it: the canvas's
check socket (ui/canvas_check.py), which answers an edit on the canvas with its shapes and errors
without a Streamlit run in between.
"""
import streamlit as st
from starlette.routing import WebSocketRoute

from ui.canvas_check import CHECK_PATH, check_socket

app = st.App("ui/shell.py", routes=[WebSocketRoute(CHECK_PATH, check_socket)])
