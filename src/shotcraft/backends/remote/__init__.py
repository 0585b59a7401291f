"""Remote generation services (cloud APIs and self-hosted ComfyUI) behind one provider protocol."""
