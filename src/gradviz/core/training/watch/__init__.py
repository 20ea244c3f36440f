"""Watch your own training: ``gradviz.watch(model, optimizer)`` and what reads its runs back."""
