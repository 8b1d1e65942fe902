"""recommendations"""
