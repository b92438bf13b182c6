"""NetCanvas training runtime: data, training loop, monitoring. Never imports streamlit."""
