#!/usr/bin/python3
"""Baseline side of `npm run bench:readers`: reads each file fully with scipy.io.loadmat (MAT) or pydicom
(dcmread + pixel_array, DICOM) ROUNDS times in one process and prints one JSON line per file with the
median seconds. Single-threaded, like the TypeScript side. Usage: python-readers.py ROUNDS FILE..."""
import json
import statistics
import sys
import time

import numpy as np
import pydicom
import scipy.io

rounds = int(sys.argv[1])
for path in sys.argv[2:]:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        if path.endswith('.mat'):
            m = scipy.io.loadmat(path)
            cine = m['Patient'][0, 0]['DicomImage']
            np.ascontiguousarray(cine.transpose(2, 0, 1))  # frames × H × W, as the TypeScript side returns
        else:
            ds = pydicom.dcmread(path)
            ds.pixel_array
        times.append(time.perf_counter() - t0)
    print(json.dumps({'file': path, 'seconds': statistics.median(times)}), flush=True)
