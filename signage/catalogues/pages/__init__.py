"""The browser pages' words, one file a language (signage/page_words.py, docs/languages.md)."""
