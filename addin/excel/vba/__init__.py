"""The add-in's VBA project (xl/vbaProject.bin), written without Excel.

MS-OVBA (Office VBA File Format Structure) lets a writer that has no compiled code leave it out: with version 0xFFFF
in the `_VBA_PROJECT` stream and every module's source at offset 0 of its stream, Office ignores the (absent)
performance cache and compiles the source when it opens the file. That is what this package writes:

- `compression`: MS-OVBA's run-length compression (2.4.1), which every module and the `dir` stream use;
- `cfb`: a compound file (MS-CFB version 3) holding the streams;
- `project`: the project as data (information, references, modules), read from a `vbaProject.bin` Excel saved and
  written back with new modules;
- `wrappers`: the VBA functions that call the Python cell functions, from xlwings' own declarations.
"""
