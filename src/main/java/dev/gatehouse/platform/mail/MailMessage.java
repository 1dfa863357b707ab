package dev.gatehouse.platform.mail;

/** One email, in plain text and HTML. */
public record MailMessage(String to, String subject, String text, String html) {}
