"""finetune: train a causal LM on curated pairs and compare it with its base model."""
