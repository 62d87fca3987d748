"""Code lists as data files, one code per whitespace-separated token."""
