"""Shared plumbing: types, audit, permissions, errors, forms. No domain rules."""
