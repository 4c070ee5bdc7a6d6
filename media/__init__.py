"""Media: upload validation (content sniffing), image processing with Pillow, storage, serving."""
