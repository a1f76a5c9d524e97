# Targets named in the README; each calls ./dev, which works with or without make.
.PHONY: run test lint bench
run:
	./dev run
test:
	./dev test
lint:
	./dev lint
bench:
	.venv/bin/python bench/push.py
	.venv/bin/python bench/device.py
