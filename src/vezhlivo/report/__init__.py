"""Report formats over the same ContactReport values: json, text, csv, html."""

from .model import RunReport, contact_dict, run_dict

__all__ = ["RunReport", "contact_dict", "run_dict"]
