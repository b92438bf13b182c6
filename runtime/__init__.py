"""NetCanvas runtime: data, the training loop, monitoring and runs. Never imports streamlit."""
