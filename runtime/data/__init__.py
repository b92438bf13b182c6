"""NetCanvas data: built-in sets, uploads, splits and normalisation, binding to a graph's
Inputs, and on-device augmentation. No streamlit here."""
