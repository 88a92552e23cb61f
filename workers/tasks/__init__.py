"""Task modules: thin wrappers over hotline operations, taking ids and dates only."""
