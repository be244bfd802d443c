#!/usr/bin/env python3
"""Screenshot of a neuron browser page in headless Chromium, once its data have loaded.

    tools/screenshot-browser.py REPORT_DIR PAGE#FRAGMENT OUT.png [WIDTH HEIGHT]

e.g. tools/screenshot-browser.py results/report 'neuron.html#trained/1/130' docs/report-neuron.png 1300 1800.
Needs chromium, chromium-driver and python3-selenium.
"""
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

report, page, out = sys.argv[1], sys.argv[2], sys.argv[3]
width, height = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (1300, 1600)
opts = webdriver.ChromeOptions()
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
          "--disable-background-networking", f"--window-size={width},{height}"]:
    opts.add_argument(a)
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
try:
    d.get("file://" + os.path.join(os.path.abspath(report), "neurons", page))
    d.execute_async_script("var done = arguments[arguments.length - 1];"
                           "Promise.resolve(UN.ready).then(function () { done(); }, function () { done(); });")
    d.save_screenshot(out)
finally:
    d.quit()
