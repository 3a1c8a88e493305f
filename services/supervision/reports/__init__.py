"""Reports the supervisors hand on (issue 12): the 月报 and 年报 of a county or city, and a station's
evaluation pack, each assembled as a `Document` (document.py) and rendered as PDF (pdf.py) and Excel
(workbook.py). Assembly only arranges figures the use cases computed; rendering knows nothing of them.
"""
