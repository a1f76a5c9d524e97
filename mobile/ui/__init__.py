"""The field app's screens (Kivy) on ``mobile.core``.

Importing this package does not import Kivy: ``mobile.ui.main.run`` sets Kivy's environment first
(TRAPS.md), then builds :class:`mobile.ui.app.FieldApp`. Every string comes from
:mod:`mobile.ui.i18n`; every action calls ``mobile.core`` and refreshes.
"""
