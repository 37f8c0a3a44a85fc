"""The chain behind ask, chat and the Slack bot: routing, the engines' facts, prompt, model, guard."""
