"""Media I/O shared by every stage: video frames as NumPy arrays, ffmpeg invocation."""
