"""The panel's views, a module for each area; urls.py names them all."""
