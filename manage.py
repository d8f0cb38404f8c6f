#!/usr/bin/env python
"""Django's manage.py, kept for habit and for tools that look for it; `cashloop` is the same."""

from cashloop.__main__ import main

if __name__ == "__main__":
    main()
