#!/usr/bin/env python3
"""Screenshot of one section of a report's index.html in headless Chromium, the whole section however tall.

    tools/screenshot-section.py REPORT_DIR SECTION_ID OUT.png [WIDTH]

e.g. tools/screenshot-section.py study/report dynamics docs/report-dynamics.png 1400.
Needs chromium, chromium-driver and python3-selenium.
"""
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

report, section, out = sys.argv[1], sys.argv[2], sys.argv[3]
width = int(sys.argv[4]) if len(sys.argv) > 4 else 1400
opts = webdriver.ChromeOptions()
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
          "--disable-background-networking", f"--window-size={width},1200"]:
    opts.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
try:
    d.get("file://" + os.path.join(os.path.abspath(report), "index.html"))
    el = d.find_element(By.ID, section)
    # a window as tall as the page, so the section is drawn whole
    height = d.execute_script("return document.documentElement.scrollHeight")
    d.set_window_size(width, height + 100)
    el.screenshot(out)
finally:
    d.quit()
