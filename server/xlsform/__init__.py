"""XLSForms: a province's own forms, read with pyxform in a sandbox and mapped onto this
project's form definitions, and a definition written back as an XLSForm.

- :mod:`server.xlsform.guard`: size, type and zip checks before anything opens the file;
- :mod:`server.xlsform.sandbox`: the child process under CPU, memory and time limits;
- :mod:`server.xlsform.worker`: what runs in it (defusedxml, pyxform, the mapping);
- :mod:`server.xlsform.mapping`: pyxform's JSON → a definition, or the rows refused;
- :mod:`server.xlsform.xpath`, :mod:`server.xlsform.constraints`: ``relevant`` and
  ``constraint`` both ways;
- :mod:`server.xlsform.writer`: a definition → an ``.xlsx`` XLSForm.
"""
