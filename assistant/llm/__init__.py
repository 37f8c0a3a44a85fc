"""The LLM layer: providers (built in services), prompt templates, guards."""
