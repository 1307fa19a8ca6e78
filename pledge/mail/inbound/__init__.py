"""Mail in: what an inbound message is (bounce, auto-reply, challenge, complaint, human)."""
