"""Android entry point (buildozer packs this file): the field app on the phone's private folder."""

from mobile.ui.main import run

if __name__ == "__main__":
    run()
