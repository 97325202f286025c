"""The programme's own records (not confidential): engagement and the recommendations tracker."""
