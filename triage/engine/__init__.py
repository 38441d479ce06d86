"""The engine that reads questions: policy, classifier, search, decisions, evaluation."""
