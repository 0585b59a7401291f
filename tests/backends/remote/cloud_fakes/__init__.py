"""Local fake servers for the cloud providers' HTTP contracts (Veo on Vertex AI, Runway, Luma, Kling).

Each fake is a small FastAPI app on 127.0.0.1 at a random port, reached through the provider's official SDK
(base URL pointed at it). It checks the credential the SDK sends, records every request body, counts create
calls, and can be told to refuse, rate-limit, fail or stall. Its clips are real H.264 mp4 files made from the
keyframe it received (see ``media.clip_from_image``), so conforming and verification downstream are real.
"""
