"""My Service: the HTTP service."""
