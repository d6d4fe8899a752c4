"""What runs in the parsing workers: mail → attachments → parsers → answers."""
