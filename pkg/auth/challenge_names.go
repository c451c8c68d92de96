package auth

// unsupportedChallenge returns the error for a challenge that a service
// account cannot respond to. The message states what to change in Cognito.
func unsupportedChallenge(op, name string, x exchange) *Error {
	name = sanitize(clip(name))
	switch name {
	case "":
		return newError(nil, op, "", nil,
			"%s returned neither tokens nor a challenge for user %q", op, x.username)
	case "NEW_PASSWORD_REQUIRED":
		return newError(ErrChallengeUnsupported, op, name, nil,
			"password change required: user %q in user pool %s has a temporary password "+
				"(NEW_PASSWORD_REQUIRED): set a permanent password with aws cognito-idp "+
				"admin-set-user-password --permanent and store it in the credentials",
			x.username, x.poolID)
	case "SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "SMS_OTP":
		return newError(ErrChallengeUnsupported, op, name, nil,
			"user %q must answer an MFA challenge (%s), which a service account cannot do: "+
				"turn MFA off for this user, or make MFA optional in user pool %s",
			x.username, name, x.poolID)
	case "MFA_SETUP", "SELECT_MFA_TYPE":
		return newError(ErrChallengeUnsupported, op, name, nil,
			"user %q must set up or choose an MFA method (%s), which a service account cannot "+
				"do: make MFA optional in user pool %s or use a user without MFA",
			x.username, name, x.poolID)
	case "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER":
		return newError(ErrChallengeUnsupported, op, name, nil,
			"user pool %s requested device authentication (%s) for user %q: this client does "+
				"not remember devices, so turn device tracking off for the user pool",
			x.poolID, name, x.username)
	case "CUSTOM_CHALLENGE":
		return newError(ErrChallengeUnsupported, op, name, nil,
			"a Lambda trigger of user pool %s requested a custom challenge for user %q, "+
				"which this client cannot answer: exclude the service user from the custom "+
				"authentication triggers", x.poolID, x.username)
	}
	return newError(ErrChallengeUnsupported, op, name, nil,
		"Cognito requested challenge %s for user %q, which a non-interactive sign-in cannot "+
			"answer: configure user pool %s and app client %s so that %s ends after "+
			"PASSWORD_VERIFIER", name, x.username, x.poolID, x.clientID, x.flow)
}
