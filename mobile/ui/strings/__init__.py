"""The app's texts, a module per screen, each a ``STRINGS`` table of key -> (Vietnamese, English);
``mobile.ui.i18n`` assembles them into one table."""
