"""DKST Field's field app.

``mobile.core`` is everything the app does without a window (local store, outbox, sync client,
photos, location) and never imports Kivy; ``mobile.ui`` is the Kivy screens on top of it;
``mobile.cli`` is the ``dkst device`` commands over the same core.
"""
